// A real OpenID Connect provider (panva's oidc-provider) for the institution
// sign-in tests, on a loopback port the test picks. Its sign-in page takes any
// email and says whether the person used a second factor, which becomes the
// ID token's `amr` (RFC 8176) and `acr`.
//
//   node tests/idp/oidc.mjs '{"port": 5000, "issuer": "http://127.0.0.1:5000",
//     "client_id": "portal", "client_secret": "…", "redirect_uri": "http://…"}'
import http from "node:http";
import Provider from "oidc-provider";

const options = JSON.parse(process.argv[2]);
const accounts = new Map();

const provider = new Provider(options.issuer, {
  clients: [
    {
      client_id: options.client_id,
      client_secret: options.client_secret,
      redirect_uris: [options.redirect_uri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  claims: {
    // How the person signed in, in every ID token (OIDC Core §2).
    openid: ["sub", "acr", "amr", "auth_time"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "name"],
  },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const person = accounts.get(sub) || {};
        return {
          sub,
          email: person.email || sub,
          email_verified: person.email_verified ?? true,
          given_name: person.given_name,
          family_name: person.family_name,
        };
      },
    };
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => false },
  cookies: { keys: ["tests-only-oidc-cookie-key"] },
  ttl: { Session: 60, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
});
provider.on("server_error", (ctx, error) => console.error("server_error", error));

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid) {
  return `<!doctype html><html lang="en"><head><title>Test institution sign-in</title></head>
<body><main><h1>Test institution sign-in</h1>
<form method="post" action="/interaction/${escape(uid)}">
<p><label for="email">Institution email</label> <input id="email" name="email" type="email" required></p>
<p><label for="given_name">Given name</label> <input id="given_name" name="given_name"></p>
<p><label for="family_name">Family name</label> <input id="family_name" name="family_name"></p>
<p><input id="mfa" name="mfa" type="checkbox"> <label for="mfa">I used a second factor</label></p>
<p><input id="email_verified" name="email_verified" type="checkbox" checked> <label for="email_verified">Email verified</label></p>
<p><button type="submit">Continue to the portal</button></p>
</form></main></body></html>`;
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(loginPage(details.uid));
    return;
  }
  const form = await readForm(req);
  const email = form.get("email").trim().toLowerCase();
  const mfa = form.get("mfa") === "on";
  accounts.set(email, {
    email,
    email_verified: form.get("email_verified") === "on",
    given_name: form.get("given_name") || undefined,
    family_name: form.get("family_name") || undefined,
  });
  const grant = new provider.Grant({ accountId: email, clientId: details.params.client_id });
  grant.addOIDCScope("openid email profile");
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    {
      login: { accountId: email, amr: mfa ? ["pwd", "mfa"] : ["pwd"], acr: mfa ? "urn:test:mfa" : "urn:test:pwd" },
      consent: { grantId },
    },
    { mergeWithLastSubmission: false },
  );
}

const handler = provider.callback();
http
  .createServer((req, res) => {
    if (req.url.startsWith("/interaction/")) {
      interaction(req, res).catch((error) => {
        console.error(error);
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(String(error.message || error));
      });
      return;
    }
    handler(req, res);
  })
  .listen(options.port, "127.0.0.1", () => console.log(`ready ${options.issuer}`));
