/*
 * Demo sign-in is a local convenience: it signs someone in only on a development backend
 * (NODE_ENV=development, what the backend's start script sets) or when app-config says
 * dangerouslyAllowOutsideDevelopment.
 */
import { ConfigReader } from '@backstage/config';
import { demoAuthenticator } from './demoAuthProvider';

const users = [{ name: 'alice' }];

async function signIn(nodeEnv: string, dangerously?: boolean) {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = nodeEnv;
  try {
    const context = await demoAuthenticator.initialize({
      config: new ConfigReader({
        users,
        ...(dangerously ? { dangerouslyAllowOutsideDevelopment: true } : {}),
      }),
    });
    const req = { header: () => 'alice' } as any;
    return await demoAuthenticator.authenticate({ req }, context);
  } finally {
    process.env.NODE_ENV = previous;
  }
}

describe('demo sign-in', () => {
  it('signs in a demo user on a development backend', async () => {
    await expect(signIn('development')).resolves.toEqual({
      result: { user: { name: 'alice' } },
    });
  });

  it.each(['production', 'test', ''])(
    'refuses to when NODE_ENV is %j, saying what to use instead',
    async nodeEnv => {
      await expect(signIn(nodeEnv)).rejects.toThrow(
        /only sign in to a local development backend \(NODE_ENV=development\)\. Use a real sign-in provider/,
      );
    },
  );

  it('signs in anywhere when app-config says so explicitly', async () => {
    await expect(signIn('production', true)).resolves.toBeDefined();
  });
});
