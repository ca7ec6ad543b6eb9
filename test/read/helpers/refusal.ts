/** The error a promise was refused with, to assert its code and message; fails when it resolves. */
export async function refusal(promise: Promise<unknown>): Promise<{ name: string; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; code: string; message: string };
  }
  throw new Error('expected a RunError');
}
