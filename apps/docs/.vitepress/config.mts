import { existsSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitepress';

// TypeDoc writes the API pages and their sidebar before VitePress builds (see package.json).
const apiSidebarFile = new URL('../api/typedoc-sidebar.json', import.meta.url);
const apiSidebar = existsSync(apiSidebarFile)
  ? JSON.parse(readFileSync(apiSidebarFile, 'utf8'))
  : [];
// scripts/generate-reference.mjs writes the CLI and component pages and their sidebar entries.
const generatedSidebarFile = new URL('../reference/generated-sidebar.json', import.meta.url);
const generated: { cli: unknown[]; components: unknown[] } = existsSync(generatedSidebarFile)
  ? JSON.parse(readFileSync(generatedSidebarFile, 'utf8'))
  : { cli: [], components: [] };

export default defineConfig({
  title: 'bctkit',
  description: 'Backward-compatible training of embedding models on TensorFlow.js',
  cleanUrls: true,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  lastUpdated: false,
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Concepts', link: '/concepts/backfill' },
      { text: 'Reference', link: '/reference/cli/' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Packages', link: '/guide/packages' },
          { text: 'Preparing data', link: '/guide/data' },
          { text: 'Models', link: '/guide/models' },
          { text: 'Bring your own old model', link: '/guide/old-model' },
          { text: 'Upgrade a face model', link: '/guide/upgrade-a-face-model' },
          { text: 'Training and stages', link: '/guide/training' },
          { text: 'Scenario presets', link: '/guide/presets' },
          { text: 'Reproducing MixBCT', link: '/guide/reproduce-mixbct' },
          { text: 'Choosing a method', link: '/guide/choosing-a-method' },
          { text: 'Adapters between spaces', link: '/guide/adapters' },
          { text: 'Training or a transformation', link: '/guide/training-or-transformation' },
          { text: 'Several model generations', link: '/guide/generations' },
          { text: 'Partial backfill', link: '/guide/backfill' },
          { text: 'Choosing a backend', link: '/guide/choosing-a-backend' },
          { text: 'Scale out', link: '/guide/scale-out' },
          { text: 'Evaluating on IJB-C', link: '/guide/evaluation' },
          { text: 'Reading the report', link: '/guide/compatibility-report' },
          { text: 'Contributing', link: '/guide/contributing' },
        ],
      },
      {
        text: 'Concepts',
        items: [
          { text: 'The backfill problem', link: '/concepts/backfill' },
          { text: 'Compatibility criteria', link: '/concepts/compatibility' },
          { text: 'The four data scenarios', link: '/concepts/scenarios' },
          { text: 'Old-model quality', link: '/concepts/old-model-quality' },
        ],
      },
      {
        text: 'Methods',
        items: [
          { text: 'Overview', link: '/methods/' },
          { text: 'Heads', link: '/methods/heads' },
          { text: 'L2 regression', link: '/methods/l2' },
          { text: 'BCT', link: '/methods/bct' },
          { text: 'MixBCT', link: '/methods/mixbct' },
          { text: 'UniBCT', link: '/methods/unibct' },
          { text: 'LCE', link: '/methods/lce' },
          { text: 'AdvBCT', link: '/methods/advbct' },
          { text: 'NCCL', link: '/methods/nccl' },
          { text: 'BT²', link: '/methods/bt2' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Backends', link: '/reference/backends' },
          { text: 'bct data overview', link: '/reference/data-commands' },
          { text: 'Verification metrics', link: '/reference/verification' },
          { text: 'Tensor operations', link: '/reference/tensor-ops' },
          { text: 'Errors and exit codes', link: '/reference/errors' },
          { text: 'What bct checks', link: '/reference/bad-input' },
        ],
      },
      { text: 'bct commands', collapsed: true, items: generated.cli },
      { text: 'Components', collapsed: true, items: generated.components },
      {
        text: 'Benchmarks',
        link: '/benchmarks',
        items: [{ text: 'Real faces: every method on LFW', link: '/benchmarks/faces' }],
      },
      { text: 'API', link: '/api/', items: apiSidebar },
    ],
    search: { provider: 'local' },
  },
});
