/*
 * The frontend of the local stack, on Backstage's new frontend system. Plugins listed in this
 * package's dependencies are discovered automatically (`app.packages: all` in app-config); the
 * modules here replace the sidebar and the sign-in page.
 */
import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

export default createApp({
  features: [navModule, signInModule],
});
