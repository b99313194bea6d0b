import { describeMessageStoreContract } from '@verge/testkit';
import { createMemoryMessageStore } from '../../../src/hub/store/index.js';

describeMessageStoreContract({ name: 'in-memory message store', persistent: false, make: () => ({ open: (o) => createMemoryMessageStore(o), dispose: () => undefined }) });
