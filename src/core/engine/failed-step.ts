/**
 * The step an error escaped from. The engine runs each part of an
 * invocation inside `inStep`, which writes the step on the error as it
 * passes (the innermost step wins); the failure record, the `failed`
 * event and the function's error line read it back with `failedStepOf`
 * rather than keeping a variable in step with the code.
 */
import type { Step } from "../contract/rotator-contract.ts";

/** A rotation step, or `load`: reading the secret, its tags and its rotator. */
export type FailedStep = Step | "load";

/** An error the engine has seen leave a step. */
export interface StepFailure {
  readonly failedStep: FailedStep;
}

/** Runs `work` as part of `step`: an error it throws leaves carrying that step, unless it already names one. */
export async function inStep<T>(step: FailedStep, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    markStep(error, step);
    throw error;
  }
}

/** The step the error left, or undefined when it left none (it came before any step, or from outside the engine). */
export function failedStepOf(error: unknown): FailedStep | undefined {
  return hasFailedStep(error) ? error.failedStep : undefined;
}

function hasFailedStep(error: unknown): error is StepFailure {
  return typeof error === "object" && error !== null && "failedStep" in error;
}

function markStep(error: unknown, step: FailedStep): void {
  if (typeof error !== "object" || error === null || hasFailedStep(error)) return;
  if (!Object.isExtensible(error)) return;
  // Not enumerable: an error compared or serialised elsewhere looks as it did.
  Object.defineProperty(error, "failedStep", { value: step, enumerable: false, writable: false });
}
