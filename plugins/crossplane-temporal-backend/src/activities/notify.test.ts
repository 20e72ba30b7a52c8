/*
 * The notify activity in the SDK's activity environment: every attempt of one activity sends with
 * the same notifications scope, so a retry after a send whose completion was lost updates the
 * notification the first attempt sent instead of sending a second one.
 */
import { mockServices } from '@backstage/backend-test-utils';
import type {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createResourceActivities } from './createResourceActivities';
import type { NotifyInput } from './types';

const input: NotifyInput = {
  recipients: ['user:default/alice'],
  title: 'orders-db is Ready',
  description:
    'PostgreSQLInstance team-alpha/orders-db in cluster local is Ready.',
  severity: 'normal',
  topic: 'crossplane-local-team-alpha-orders-db',
};

function activitiesSendingTo(sent: NotificationSendOptions[]) {
  const notifications: NotificationService = {
    async send(options) {
      sent.push(options);
    },
  };
  return createResourceActivities({
    clusters: {
      get: name => {
        throw new Error(`no cluster ${name} here`);
      },
      names: () => [],
    },
    logger: mockServices.logger.mock(),
    notifications,
  });
}

const execution = { workflowId: 'crossplane-wf', runId: 'run-1' };

describe('the notify activity', () => {
  it('sends every attempt of one activity in the same scope, so a retry updates the notification', async () => {
    const sent: NotificationSendOptions[] = [];
    const { notify } = activitiesSendingTo(sent);
    for (const attempt of [1, 2, 3]) {
      const env = new MockActivityEnvironment({
        activityId: '7',
        attempt,
        workflowExecution: execution,
      });
      await env.run(notify, input);
    }
    expect(sent).toHaveLength(3);
    const scopes = new Set(sent.map(s => s.payload.scope));
    expect([...scopes]).toEqual(['crossplane-wf/run-1/7']);
    expect(sent[0]).toMatchObject({
      recipients: { type: 'entity', entityRef: input.recipients },
      payload: { title: input.title, topic: input.topic, severity: 'normal' },
    });
  });

  it('sends other notifications, or the same one in another run, in scopes of their own', async () => {
    const sent: NotificationSendOptions[] = [];
    const { notify } = activitiesSendingTo(sent);
    const infos = [
      { activityId: '7', workflowExecution: execution },
      { activityId: '12', workflowExecution: execution },
      { activityId: '7', workflowExecution: { ...execution, runId: 'run-2' } },
    ];
    for (const info of infos)
      await new MockActivityEnvironment(info).run(notify, input);
    expect(new Set(sent.map(s => s.payload.scope)).size).toBe(3);
  });
});
