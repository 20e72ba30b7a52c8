/*
 * Sign-in for the local stack: pick one of the demo users from app-config
 * (`auth.providers.demo.users`) or continue as guest.
 *
 * The choice is remembered in local storage so that a page reload signs the same user in again
 * (the backend re-checks it on every refresh); signing out forgets it.
 */
import { useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
} from '@backstage/core-components';
import { coreApis, useApi, IdentityApi } from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import { Button, Grid, Typography } from '@material-ui/core';

const STORAGE_KEY = 'crossplane-temporal:sign-in-choice';
const GUEST = 'guest';

interface DemoUserOption {
  name: string;
  title: string;
  description?: string;
}

function readChoice(): string | undefined {
  return window.localStorage.getItem(STORAGE_KEY) ?? undefined;
}

function forgetChoice() {
  window.localStorage.removeItem(STORAGE_KEY);
}

/** The signed-in identity, except that signing out also forgets the remembered choice. */
function forgettingOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      forgetChoice();
      await identity.signOut();
    },
  };
}

function useDemoUsers(): DemoUserOption[] {
  const config = useApi(coreApis.config);
  return (config.getOptionalConfigArray('auth.providers.demo.users') ?? []).map(
    user => ({
      name: user.getString('name'),
      title: user.getOptionalString('title') ?? user.getString('name'),
      description: user.getOptionalString('description'),
    }),
  );
}

function SignInFailed(props: { error?: Error; onRetry(): void }) {
  return (
    <Page themeId="home">
      <Header title="Sign-in failed" />
      <Content>
        <InfoCard title="Could not sign you in">
          <Typography paragraph>
            {props.error?.message ??
              'The sign-in provider refused the request.'}
          </Typography>
          <Button variant="contained" color="primary" onClick={props.onRetry}>
            Choose another user
          </Button>
        </InfoCard>
      </Content>
    </Page>
  );
}

export function DemoSignInPage(props: SignInPageProps) {
  const users = useDemoUsers();
  const [choice, setChoice] = useState<string | undefined>(readChoice);

  if (choice) {
    const retry = () => {
      forgetChoice();
      setChoice(undefined);
    };
    return (
      <ProxiedSignInPage
        onSignInSuccess={identity =>
          props.onSignInSuccess(forgettingOnSignOut(identity))
        }
        provider={choice === GUEST ? 'guest' : 'demo'}
        headers={choice === GUEST ? undefined : { 'x-demo-user': choice }}
        ErrorComponent={({ error }) => (
          <SignInFailed error={error} onRetry={retry} />
        )}
      />
    );
  }

  const choose = (name: string) => {
    window.localStorage.setItem(STORAGE_KEY, name);
    setChoice(name);
  };
  const options: DemoUserOption[] = [
    ...users,
    {
      name: GUEST,
      title: 'Guest',
      description: 'Browse without an owner identity.',
    },
  ];

  return (
    <Page themeId="home">
      <Header
        title="Crossplane Temporal"
        subtitle="Local stack: choose who you are"
      />
      <Content>
        <Grid
          container
          spacing={3}
          component="ul"
          style={{ listStyle: 'none', padding: 0 }}
        >
          {options.map(option => (
            <Grid item xs={12} sm={6} md={3} component="li" key={option.name}>
              <InfoCard title={option.title}>
                <Typography paragraph>{option.description}</Typography>
                <Button
                  variant="outlined"
                  color="primary"
                  onClick={() => choose(option.name)}
                  aria-label={`Sign in as ${option.title}`}
                >
                  Sign in
                </Button>
              </InfoCard>
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
}
