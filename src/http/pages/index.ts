// Server-rendered pages (SPEC §13): staff pages under /staff/, the public home, /track and the
// notices. Registered on the root instance (plain routes, not the zod API plugin).
import type { FastifyPluginAsync } from 'fastify';

const pages: FastifyPluginAsync = async () => {
  // Filled in by the pages work (issue 6).
};

export default pages;
