import { useNavigationStore } from '../../stores/navigation';
import { useSweepsStore } from '../../stores/sweeps';
import { useTrainingStore } from '../../stores/training';

/** Promotes a trial (its config retrained on the full training set) and follows the new run in Train. */
export function usePromoteTrial(): (runId: string) => Promise<void> {
  const sweeps = useSweepsStore();
  const training = useTrainingStore();
  const navigation = useNavigationStore();
  return async (runId) => {
    const promoted = await sweeps.promote(runId);
    if (promoted) {
      training.follow(promoted.id);
      navigation.show('train');
    }
  };
}
