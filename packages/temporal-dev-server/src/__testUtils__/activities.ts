/*
 * Activities of the scenario workflows.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `hello ${name}`;
}

/** Fails its first `failures` attempts, then succeeds, reporting the attempt. */
export async function flaky(failures: number): Promise<string> {
  const { attempt } = Context.current().info;
  if (attempt <= failures) throw new Error(`attempt ${attempt} failed`);
  return `succeeded on attempt ${attempt}`;
}

export async function refuse(): Promise<string> {
  throw ApplicationFailure.create({
    type: 'Refused',
    message: 'the cluster refused the request',
  });
}
