// A process module that does nothing but stay up until SIGTERM (its workload socket exists while it runs).
console.log(`sleeper up as uid ${process.getuid?.()}`);
setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => process.exit(0));
