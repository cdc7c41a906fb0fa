/** A request the user can fix (or a state they can see): its message goes back to them as it is. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
