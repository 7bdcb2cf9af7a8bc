/**
 * The live run's loop on the CPU, written once for every model (LiveRun: the RNN and the LSTM;
 * TransformerLiveRun): the lead-in (the pretrained model, frozen, on LEAD_IN_STEPS of regime A), the drift,
 * the arms in lockstep on regime B generated in chunks as long as the run goes on, a duplicate arm
 * (`sameAs`) reading its twin's loss, the task strip's trace, the loss window and both recoveries. The arms
 * are the engine's `Learner`s (engine/learner.ts), whatever the model.
 *
 * A subclass pretrains, builds the lead-in's learner, says how the arms start at the drift (from the
 * lead-in's running state: h for the recurrent models, the context window for the transformer) and what its
 * model has besides: costs, metrics, the kept paths or the heads, the live change of the sparse arm.
 */
import type { Learner } from '../../engine/learner';
import { RunningLoss } from '../../engine/protocol/lossWindow';
import type { Rng } from '../../engine/rng';
import type { Sequence, Task } from '../../engine/tasks/task';
import { LEAD_IN_STEPS, type ArmId, type ArmInfo, type LabParams, type Marker, type StepTrace } from '../contract';
import { sourceArm, type AdvanceExtra } from './liveEngine';

/** Steps of regime B generated at a time. */
export const CHUNK = 1000;

export abstract class LiveLoop<L extends Learner> {
  readonly backend = 'cpu';
  /** the CPU has each arm's output to show */
  readonly traces = true;
  readonly markers: Marker[] = [];
  /** global step: lead-in steps first, then adaptation */
  step = 0;
  /** one learner per arm from the drift on (empty before it); a duplicate arm's is never stepped */
  protected learners: L[] = [];
  protected seq: Sequence;
  protected seqOffset = 0;
  /** whether the latest adaptation step carried an error signal */
  protected lastScored = false;
  /** the loss window: every adaptation step so far with an error signal */
  private readonly window: RunningLoss;
  /** this step's loss per arm at full precision (a duplicate arm reads its twin's) */
  private readonly stepLoss: Float64Array;
  private readonly seqSparse: boolean;

  /**
   * `lead` steps the lead-in on LEAD_IN_STEPS of regime A drawn here from `dataRng`, the stream regime B's
   * chunks come from after it.
   */
  protected constructor(
    readonly params: LabParams,
    readonly task: Task,
    readonly arms: ArmInfo[],
    protected readonly lead: L,
    private readonly dataRng: Rng,
  ) {
    this.seq = task.generate('A', LEAD_IN_STEPS, dataRng);
    this.window = new RunningLoss(arms.length);
    this.stepLoss = new Float64Array(arms.length);
    this.seqSparse = this.seq.errorMask.some((v) => v === 0);
  }

  /** The arms' learners at the drift, one per arm in arm order, from the lead-in's running state. */
  protected abstract startArms(): L[];

  /** After the drift's learners are in place (LiveRun attaches its fidelity probe). */
  protected afterDrift(): void {}

  /** Whether recovery is read at all now (the transformer's rule: only once dense has adapted). */
  protected recoveryDefined(): boolean {
    return true;
  }

  /** Whether the task scores only some steps (the adding task: the end of each sequence). */
  get sparseError(): boolean {
    return this.seqSparse;
  }

  get drifted(): boolean {
    return this.step >= LEAD_IN_STEPS;
  }

  /** Adaptation steps with an error signal so far. */
  get adaptedSteps(): number {
    return this.window.steps;
  }

  /** Index of the arm whose learner actually runs for arm a (itself, or the arm it duplicates). */
  protected source(a: number): number {
    return sourceArm(this.arms, a);
  }

  protected armIndex(id: ArmId): number {
    return this.arms.findIndex((a) => a.id === id);
  }

  /** The learner arm a runs on: its own, or its twin's (undefined before the drift). */
  protected learnerOf(a: number): L | undefined {
    return this.learners[this.source(a)];
  }

  /** The next chunk of regime B from the data stream. */
  protected nextChunk(): Sequence {
    return this.task.generate('B', CHUNK, this.dataRng);
  }

  /**
   * Advances `count` steps; writes each arm's losses into out[arm][0..count). If given, `extra.scored`
   * gets whether each step carried an error signal and `extra.trace` the task's first input and target
   * and each arm's first output, for the strip that shows the task. Returns steps done.
   */
  advance(count: number, out: Float32Array[], extra: AdvanceExtra = {}): number {
    const { scored, trace } = extra;
    for (let s = 0; s < count; s++) {
      if (this.step < LEAD_IN_STEPS) {
        const t = this.step;
        if (scored) scored[s] = this.seq.errorMask[t];
        if (trace) this.traceInput(trace, s, t);
        const loss = this.lead.step(this.seq, t);
        for (let a = 0; a < this.arms.length; a++) out[a][s] = loss;
        if (trace) {
          const y = this.lead.output();
          for (let a = 0; a < this.arms.length; a++) trace.prediction[a][s] = y;
        }
        this.step++;
        if (this.step === LEAD_IN_STEPS) this.drift();
        continue;
      }
      if (this.seqOffset >= this.seq.length) {
        this.seq = this.nextChunk();
        this.seqOffset = 0;
      }
      const t = this.seqOffset;
      const hasError = this.seq.errorMask[t] === 1;
      if (scored) scored[s] = this.seq.errorMask[t];
      if (trace) this.traceInput(trace, s, t);
      for (let a = 0; a < this.learners.length; a++) {
        // a duplicate arm (k = 0 or k = n) is not stepped twice: it reads its twin's loss (arms before
        // it in the list, so the twin has stepped already)
        const src = this.source(a);
        const loss = src === a ? this.learners[a].step(this.seq, t) : this.stepLoss[src];
        this.stepLoss[a] = loss;
        out[a][s] = loss;
        if (trace) trace.prediction[a][s] = this.learners[src].output();
        this.window.add(a, loss, hasError);
      }
      this.window.countStep(hasError);
      this.lastScored = hasError;
      this.seqOffset++;
      this.step++;
    }
    return count;
  }

  private traceInput(trace: StepTrace, s: number, t: number): void {
    trace.input[s] = this.seq.x[t * this.seq.inputSize];
    trace.target[s] = this.seq.y[t * this.seq.outputSize];
  }

  /** The drift: every arm starts from the pretrained weights and the lead-in's running state. */
  private drift(): void {
    this.learners = this.startArms();
    this.seq = this.nextChunk();
    this.seqOffset = 0;
    this.markers.push({ step: this.step, label: 'drift' });
    this.afterDrift();
  }

  private diverged(a: number): boolean {
    return (this.learnerOf(a)?.divergedAt ?? -1) >= 0;
  }

  /**
   * Recovery so far per arm against frozen and the reference (full RTRL, the transformer's dense arm):
   * (L̄_frozen − L̄_arm) / (L̄_frozen − L̄_full) × 100 over the adaptation; null without the reference,
   * before the first scored step, for a diverged arm, and wherever recoveryDefined() says no.
   */
  recovery(): (number | null)[] {
    if (!this.recoveryDefined()) return this.arms.map(() => null);
    return this.window.recovery(this.armIndex('frozen'), this.armIndex('full'), (a) => this.diverged(a));
  }

  /**
   * Recovery beyond the readout so far per arm: (L̄_readout − L̄_arm) / (L̄_readout − L̄_full) × 100; null
   * where the paper's recovery is for every arm, and when readout-only diverged (a diverged floor measures nothing).
   */
  recoveryBeyondReadout(): (number | null)[] {
    const readout = this.armIndex('readout');
    if (readout < 0 || this.diverged(readout) || this.recovery().every((r) => r === null)) return this.arms.map(() => null);
    return this.window.recovery(readout, this.armIndex('full'), (a) => this.diverged(a));
  }

  /** Mean loss per arm over the adaptation so far (steps with an error signal), NaN before the drift. */
  meanLoss(): number[] {
    return this.window.meanLoss();
  }

  /** Index of each diverged arm's first bad step, or -1. */
  divergedAt(): number[] {
    return this.arms.map((_, a) => this.learnerOf(a)?.divergedAt ?? -1);
  }

  /** ‖P_t‖ per arm (its twin's for a duplicate); null before the drift and where the arm carries none. */
  protected sensitivityNorms(): (number | null)[] {
    return this.arms.map((_, a) => {
      const norm = this.learnerOf(a)?.sensitivityNorm() ?? NaN;
      return Number.isFinite(norm) ? norm : null;
    });
  }

  setLearningRate(lr: number): void {
    this.params.lr = lr;
    for (const l of this.learners) l.setLearningRate(lr);
    this.lead.setLearningRate(lr);
    this.markers.push({ step: this.step, label: `lr ${lr}` });
  }

  /** Puts `next` in arm a's place, rebuilt from `old` (the learner it ran on): a diverged arm stays diverged. */
  protected replaceLearner(a: number, old: L, next: L): void {
    if (old.divergedAt >= 0) next.divergedAt = old.divergedAt;
    this.learners[a] = next;
  }

  /** Nothing to release on the CPU (LiveEngine). */
  dispose(): void {}
}
