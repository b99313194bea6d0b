/** A service connection string with a throwaway 32-byte key. */
export const serviceKey = 'dGhyb3dhd2F5LXRlc3Qta2V5LW5vdC1hLXNlY3JldCE=';
export const serviceConnectionString = `HostName=hub.example;SharedAccessKeyName=owner;SharedAccessKey=${serviceKey}`;
