// oidc-provider (https://github.com/panva/node-oidc-provider) on loopback with the clients, user
// and features the rfc6749 profile exercises. Usage: node server.mjs PORT
// Its own development login and consent pages are used: the suite's login driver signs in
// through them. Prints "ready" once listening.
import Provider from 'oidc-provider';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The private_key_jwt client's public key, from the test-only key its target file points at.
const jwtKey = createPublicKey(readFileSync(new URL('./jwt-client.pem', import.meta.url))).export({ format: 'jwk' });
// The FAPI 2.0 client's, likewise.
const fapiKey = createPublicKey(readFileSync(new URL('./fapi-client.pem', import.meta.url))).export({ format: 'jwk' });

const port = Number(process.argv[2] || 3000);
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [
    {
      client_id: 'my-client',
      client_secret: 'my-client-secret+0123/4567:89',
      redirect_uris: ['https://app.example.test/callback'],
      // The implicit grant for the id_token and code id_token response types it lists.
      grant_types: ['authorization_code', 'refresh_token', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code', 'id_token', 'code id_token'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'other-client',
      client_secret: 'other-client-secret-0123456789',
      redirect_uris: ['https://other.example.test/cb'],
      // The device grant too: the suite checks that one client's device_code is no good to another.
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      // A native app (RFC 8252): a loopback redirect URI registered without a port.
      client_id: 'public-app',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    {
      // RFC 7523 §2.2: authenticates with ES256 client assertions (client credentials grant).
      client_id: 'jwt-client',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...jwtKey, alg: 'ES256', use: 'sig' }] },
    },
    {
      // FAPI 2.0 Security Profile (features.fapi below, for this client only): private_key_jwt,
      // pushed authorization requests only, DPoP-bound tokens, the code flow alone.
      client_id: 'fapi-client',
      redirect_uris: ['https://fapi.example.test/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...fapiKey, alg: 'ES256', use: 'sig' }] },
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
    },
    {
      client_id: 'cc-client',
      client_secret: 'cc-client-secret-0123456789',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  scopes: ['openid', 'offline_access', 'accounts', 'profile', 'email', 'address', 'phone'],
  // OpenID Connect Core §5.4's scope claims (the made-up user's, from findAccount below).
  claims: {
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
    email: ['email', 'email_verified'],
    address: ['address'],
    phone: ['phone_number', 'phone_number_verified'],
  },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    deviceFlow: { enabled: true },
    // RFC 9449 DPoP (on by default in this version), with server-supplied nonces required in
    // every proof (§8, §9): the suite's nonce retry runs against a real server.
    dPoP: { enabled: true, nonceSecret: Buffer.alloc(32, 7), requireNonce: () => true },
    // The FAPI 2.0 Security Profile (Final) for the FAPI client; the others stay plain OAuth.
    fapi: { enabled: true, profile: (ctx, client) => (client?.clientId === 'fapi-client' ? '2.0' : undefined) },
  },
  // Plain OAuth 2.0 clients get refresh tokens without offline_access/openid.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({
      sub,
      name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', preferred_username: sub, updated_at: 1700000000,
      email: `${sub}@example.test`, email_verified: true,
      address: { formatted: '1 Rabbit Hole, Oxford', locality: 'Oxford', country: 'GB' },
      phone_number: '+44 1865 000000', phone_number_verified: false,
    }),
  }),
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => console.log('ready'));
