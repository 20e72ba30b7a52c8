export interface Config {
  auth?: {
    providers?: {
      /**
       * Sign-in as one of a fixed list of demo users, for local development; the users are
       * declared in the app's config schema (packages/app/config.d.ts).
       */
      demo?: {
        /** Allow demo sign-in when NODE_ENV is not `development`. Never do this for real users. */
        dangerouslyAllowOutsideDevelopment?: boolean;
      };
    };
  };
  permission?: {
    /**
     * Entity refs of the groups whose members may do everything (platform teams).
     * Defaults to group:default/platform-team.
     */
    platformGroups?: string[];
  };
}
