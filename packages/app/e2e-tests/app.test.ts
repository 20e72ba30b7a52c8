/*
 * A newcomer's first minute: sign in as a demo user, find the project in the catalog, open it.
 */
import { expect, test } from '@playwright/test';

test('a demo user signs in and opens the project in the catalog', async ({
  page,
}, testInfo) => {
  await page.goto('/');

  await page
    .getByRole('button', { name: 'Sign in as Alice (Team Alpha)' })
    .click();

  await page.getByRole('link', { name: 'Catalog' }).click();
  // The catalog opens on what Alice owns; the project belongs to the platform team.
  await expect(page.getByRole('menuitem', { name: /^Owned/ })).toBeVisible();
  await page.getByRole('menuitem', { name: /^All/ }).click();
  const projectLink = page.getByRole('link', {
    name: 'Crossplane Temporal for Backstage',
  });
  await expect(projectLink).toBeVisible();
  await projectLink.click();

  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/crossplane-temporal-backstage/,
  );
  const main = page.getByRole('main');
  await expect(
    main.getByRole('heading', { name: 'Crossplane Temporal for Backstage' }),
  ).toBeVisible();
  // The About card shows what the catalog knows: the description and the owning group.
  const about = main.getByRole('article').filter({ hasText: 'About' });
  await expect(
    about.getByText(/scaffolder actions and an entity card/),
  ).toBeVisible();
  await expect(
    about.getByRole('link', { name: 'Platform team' }),
  ).toBeVisible();

  await testInfo.attach('project-entity-page', {
    body: await page.screenshot({
      path: testInfo.outputPath('project-entity-page.png'),
      fullPage: true,
    }),
    contentType: 'image/png',
  });
});
