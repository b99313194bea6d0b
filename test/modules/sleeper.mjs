// A process module that does nothing but stay up until SIGTERM (its workload socket exists while it runs).
console.log(`sleeper up as uid ${process.getuid?.()} with HOME ${process.env.HOME ?? ''} TMPDIR ${process.env.TMPDIR ?? ''}`);
setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => process.exit(0));
