/** `import 'grpc-thick-client/register'`: registers the dns-poll resolver and the thick policies. */
import { register } from './grpc/register.js';

register();
