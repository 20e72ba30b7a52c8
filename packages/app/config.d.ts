export interface Config {
  auth?: {
    providers?: {
      /** Demo sign-in for local development (see packages/backend). */
      demo?: {
        /**
         * The demo users the sign-in page offers; each names a User entity in the catalog.
         * @visibility frontend
         */
        users?: Array<{
          /** @visibility frontend */
          name: string;
          /** @visibility frontend */
          title?: string;
          /** @visibility frontend */
          description?: string;
        }>;
      };
    };
  };
}
