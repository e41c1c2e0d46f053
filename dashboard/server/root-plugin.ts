// Marks a plugin as not encapsulated (Fastify's 'skip-override'), so that its hooks and handlers
// apply to the whole server rather than to a child context.
import type { FastifyPluginAsync } from 'fastify';

export function rootPlugin<Options extends Record<string, unknown>>(name: string, plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
}
