// The server package's public surface, for scripts, tests and other workspaces.
export { startServer, SiteLoadError, type RunningServer, type StartOptions } from './app.ts';
export { loadConfig, resolveConfig, ConfigSchema, ConfigError, CONFIG_VARIABLES, type Config } from './config.ts';
export { main } from './cli/main.ts';
