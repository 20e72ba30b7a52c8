/*
 * Preloaded into a backend process that a test starts: the process ends when the test's process
 * ends, however that ends (a test runner killed by a signal runs no cleanup), rather than keep a
 * port and its connections open.
 */
const parentPid = process.ppid;

setInterval(() => {
  // An orphan is adopted by another process.
  if (process.ppid !== parentPid) process.exit(1);
}, 1000).unref();

export {};
