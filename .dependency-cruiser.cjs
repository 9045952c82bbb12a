// Dependency direction from DESIGN.md, enforced as errors from the first commit.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure',
      comment: 'core imports nothing of ours and no Node built-in; only zod from outside',
      severity: 'error',
      from: { path: '^packages/core/src', pathNot: '\\.(test|contract)\\.ts$|/testing/' },
      to: {
        pathNot:
          '^packages/core/src|node_modules/(zod|ajv|fast-deep-equal|json-schema-traverse|fast-uri|require-from-string)/',
      },
    },
    {
      name: 'core-testing-no-node',
      severity: 'error',
      from: { path: '^packages/core/src' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-only-core',
      comment: 'engine, storage, providers and queue import only core, never each other or apps',
      severity: 'error',
      from: { path: '^packages/(engine|storage|providers|queue)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(packages|apps)/', pathNot: ['^packages/$1/', '^packages/core/'] },
    },
    {
      name: 'adapter-tests-core-and-stub',
      comment: 'tests of an adapter may also start the stub LLM server',
      severity: 'error',
      from: { path: '^packages/(engine|storage|providers|queue)/.*\\.test\\.ts$' },
      to: {
        path: '^(packages|apps)/',
        pathNot: ['^packages/$1/', '^packages/core/', '^packages/stub-llm/'],
      },
    },
    {
      name: 'stub-stands-alone',
      comment: 'the stub LLM server is a test tool: it imports nothing of ours',
      severity: 'error',
      from: { path: '^packages/stub-llm/' },
      to: { path: '^(packages/(?!stub-llm/)|apps/)' },
    },
    {
      name: 'no-apps-from-packages',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'server-not-cli',
      severity: 'error',
      from: { path: '^apps/server/' },
      to: { path: '^apps/(cli|web)/' },
    },
    {
      name: 'cli-uses-server-entry-only',
      comment: 'the CLI reaches the server only through its public entry (src/index.ts)',
      severity: 'error',
      from: { path: '^apps/cli/' },
      to: { path: '^apps/server/', pathNot: '^apps/server/src/index\\.ts$' },
    },
    {
      name: 'web-http-only',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^(apps/(server|cli)|packages/(engine|storage|providers|queue))/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
    },
  },
}
