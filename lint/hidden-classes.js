/**
 * Lint rules of this repository (an oxlint JS plugin, see .oxlintrc.json).
 *
 * `no-spread-then-properties`: an object literal that starts with a spread and then lists
 * properties or another spread (`{ ...base, key: value }`, `{ ...base, ...extra }`). On Node 20
 * (V8 11.3) each evaluation of such a literal makes a hidden class of its own: about 2 µs, a map
 * and its descriptors left in old space, and megamorphic inline caches wherever the object is read.
 * Hot paths use `merged()` (src/common/merged.ts) instead; `{ key: value, ...rest }` and
 * `{ ...base }` alone are fine.
 */
const noSpreadThenProperties = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow `{ ...base, key: value }` on hot paths' },
    messages: {
      perCallHiddenClass:
        'A spread followed by more properties makes a new hidden class on every call (Node 20): use merged(base, { … }) from src/common/merged.ts.',
    },
    schema: [],
  },
  create(context) {
    return {
      ObjectExpression(node) {
        const [first, ...rest] = node.properties;
        if (first?.type === 'SpreadElement' && rest.length > 0)
          context.report({ node, messageId: 'perCallHiddenClass' });
      },
    };
  },
};

export default {
  meta: { name: 'nestjs-atlassian' },
  rules: { 'no-spread-then-properties': noSpreadThenProperties },
};
