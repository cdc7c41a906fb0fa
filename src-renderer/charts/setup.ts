import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, ParallelComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Only what the workbench draws, so the bundle carries no unused chart types.
use([CanvasRenderer, LineChart, BarChart, ScatterChart, ParallelChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, ParallelComponent, VisualMapComponent]);
