import t from 'tap';
import { tour } from '../../src/examples/embedded-tour.ts';
import { freshDir } from './helpers.ts';

t.test('the README\'s embedded example runs and prints what the README shows', async (t) => {
  const lines = await tour(await freshDir(t));
  t.same(lines, [
    'put at revision 2',
    'get: on (version 1)',
    'lock taken: true',
    'watch: put config/feature-x = on',
    'watch: put config/feature-x = off',
    'after revoke: null',
  ]);
});
