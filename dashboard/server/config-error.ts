// A bad setting of the server (an option, an environment variable, the session key file): one line
// saying what is wrong, printed before anything starts.
export class ConfigError extends Error {}
