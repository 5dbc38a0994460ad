import { describe, expect, it } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { API_REJECTED } from '../../api/activity-failure-types.js';
import { finalOnRejection } from '../../activities/api-rejection.js';

const refusing = (code: number) =>
  finalOnRejection(async (_pod: string): Promise<void> => {
    throw new ApiException(code, 'refused', JSON.stringify({ kind: 'Status', message: `pods "p" is invalid (${code})` }), {});
  });

describe('finalOnRejection', () => {
  it.each([400, 403, 422])('turns a refusal for good (%i) into a non-retryable failure the workflow can tell apart', async (code) => {
    const failure = await refusing(code)('p').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: API_REJECTED, nonRetryable: true });
    expect((failure as ApplicationFailure).message).toContain(`(${code})`);
  });

  it.each([404, 409, 429, 500, 503])('leaves %i to Temporal to retry, as it was thrown', async (code) => {
    const failure = await refusing(code)('p').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiException);
  });

  it('passes results and arguments through', async () => {
    await expect(finalOnRejection(async (a: number, b: number) => a + b)(2, 3)).resolves.toBe(5);
  });
});
