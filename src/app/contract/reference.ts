/**
 * A task's constant-predictor reference, for the loss chart: the adding problems' best constant has MSE
 * 2/12 (the lab's loss is ½·MSE), the line an arm must get under to have learned anything.
 */
import { ADDING_TRIVIAL_MSE } from '../../engine/tasks/adding';
import type { TaskName } from '../../engine/tasks/task';

export interface LossReference {
  /** in the lab's loss unit, ½·MSE */
  loss: number;
  label: string;
}

export function constantPredictorReference(task: TaskName): LossReference | null {
  if (task !== 'adding' && task !== 'adding-difference') return null;
  return { loss: ADDING_TRIVIAL_MSE / 2, label: `constant predictor (MSE ${ADDING_TRIVIAL_MSE.toFixed(3)})` };
}
