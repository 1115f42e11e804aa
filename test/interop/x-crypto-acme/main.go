// Command x-crypto-acme drives an ACME server through golang.org/x/crypto/acme, the library
// cert-manager's ACME issuer is built on (it ships a fork of it), the way an ACME issuer
// controller does: one account key, orders for a set of dns identifiers, one challenge type
// for every authorization, the http-01 token served by the program itself (as cert-manager's
// solver pod does) or the dns-01 TXT record set through pebble-challtestsrv's management API,
// then a CSR for a key of its own.
//
// It is the interop run's client, not a tool: every result is one JSON object per line on
// stdout, each HTTP exchange included (so the run can see the problem documents and
// Retry-After fields x/crypto consumes without returning them), and an error ends it with
// exit 1 after an "error" line carrying the *acme.Error (RFC 8555 §6.7) as it was received.
//
// Usage: x-crypto-acme <register|account|update|issue|fetch|revoke|rollover|deactivate> [flags]
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
)

// output writes the JSON lines; the HTTP log and the program's own steps share it.
var output = struct {
	sync.Mutex
	encoder *json.Encoder
}{encoder: json.NewEncoder(os.Stdout)}

func emit(event string, fields map[string]interface{}) {
	fields["event"] = event
	output.Lock()
	defer output.Unlock()
	_ = output.encoder.Encode(fields)
}

// problemJSON is an *acme.Error as the run reads it: the problem document's members
// (RFC 7807, RFC 8555 §6.7 and §6.7.1) and the HTTP status it came with.
func problemJSON(e *acme.Error) map[string]interface{} {
	subproblems := []map[string]interface{}{}
	for _, sub := range e.Subproblems {
		entry := map[string]interface{}{"type": sub.Type, "detail": sub.Detail}
		if sub.Identifier != nil {
			entry["identifier"] = map[string]string{"type": sub.Identifier.Type, "value": sub.Identifier.Value}
		}
		subproblems = append(subproblems, entry)
	}
	return map[string]interface{}{"type": e.ProblemType, "detail": e.Detail, "status": e.StatusCode, "instance": e.Instance, "subproblems": subproblems}
}

// loggingTransport reports every exchange: when, what, the answer's status and Retry-After,
// and a problem document's type and detail (the body is put back for x/crypto to read).
type loggingTransport struct{ next http.RoundTripper }

func (t loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now().UnixMilli()
	res, err := t.next.RoundTrip(req)
	fields := map[string]interface{}{"method": req.Method, "url": req.URL.String(), "sent": sent, "at": time.Now().UnixMilli()}
	if err != nil {
		fields["error"] = err.Error()
		emit("http", fields)
		return res, err
	}
	fields["status"] = res.StatusCode
	if retry := res.Header.Get("Retry-After"); retry != "" {
		fields["retryAfter"] = retry
	}
	if links := res.Header.Values("Link"); len(links) > 0 {
		fields["links"] = links
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		body, readErr := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(body))
		var problem struct {
			Type   string `json:"type"`
			Detail string `json:"detail"`
		}
		if readErr == nil && json.Unmarshal(body, &problem) == nil {
			fields["problem"] = map[string]string{"type": problem.Type, "detail": problem.Detail}
		}
	}
	emit("http", fields)
	return res, nil
}

// httpClient trusts the CA file alone, as an Issuer's caBundle does, and dials IPv4: the
// server listens on 127.0.0.1 and `localhost` may resolve to ::1 first.
func httpClient(caPath string) (*http.Client, error) {
	pool := x509.NewCertPool()
	if caPath != "" {
		pemBytes, err := os.ReadFile(caPath)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("no certificate in %s", caPath)
		}
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := &http.Transport{
		Proxy:           nil,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			return dialer.DialContext(ctx, "tcp4", address)
		},
	}
	return &http.Client{Transport: loggingTransport{next: transport}, Timeout: 30 * time.Second}, nil
}

func generateKey(kind string) (crypto.Signer, error) {
	switch kind {
	case "ec256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ec384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ec521":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "rsa2048":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "rsa4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	case "ed25519":
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
	return nil, fmt.Errorf("unknown key type %q (ec256, ec384, ec521, rsa2048, rsa3072, rsa4096, ed25519)", kind)
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

func readKey(path string) (crypto.Signer, error) {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("no PEM block in %s", path)
	}
	var parsed interface{}
	switch block.Type {
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s holds no signing key", path)
	}
	return signer, nil
}

// loadOrCreateKey reads the key at path, or makes one of kind there: an Issuer's account
// key secret is generated on first use, then reused.
func loadOrCreateKey(path, kind string) (crypto.Signer, error) {
	if _, err := os.Stat(path); err == nil {
		return readKey(path)
	}
	key, err := generateKey(kind)
	if err != nil {
		return nil, err
	}
	return key, writeKey(path, key)
}

type options struct {
	directory, ca, accountKey, accountKeyType, kid, contact string
	eabKID, eabHMAC                                         string
	names, challenge, keyType, keyOut, certOut              string
	httpPort                                                int
	dnsManagement                                           string
	bundle                                                  bool
	certURL, alternatesOut                                  string
	cert, certKey                                           string
	reason                                                  int
	newKey, newKeyType                                      string
	timeout                                                 time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	set := flag.NewFlagSet("x-crypto-acme", flag.ContinueOnError)
	set.StringVar(&o.directory, "directory", "", "ACME directory URL")
	set.StringVar(&o.ca, "ca", "", "PEM file of the CA certificates to trust for the ACME server")
	set.StringVar(&o.accountKey, "account-key", "", "account key file (PEM), made when missing")
	set.StringVar(&o.accountKeyType, "account-key-type", "ec256", "type of an account key made here")
	set.StringVar(&o.kid, "kid", "", "account URL already known (sent as the JWS kid without asking the server)")
	set.StringVar(&o.contact, "contact", "", "contact e-mail address (mailto:)")
	set.StringVar(&o.eabKID, "eab-kid", "", "External Account Binding key id")
	set.StringVar(&o.eabHMAC, "eab-hmac", "", "External Account Binding HMAC key, base64url")
	set.StringVar(&o.names, "names", "", "comma-separated dns identifiers to order")
	set.StringVar(&o.challenge, "challenge", "http-01", "http-01 or dns-01")
	set.StringVar(&o.keyType, "key-type", "ec256", "certificate key type")
	set.StringVar(&o.keyOut, "key-out", "", "where the certificate key is written")
	set.StringVar(&o.certOut, "cert-out", "", "where the certificate (and chain with -bundle) is written, PEM")
	set.IntVar(&o.httpPort, "http-port", 0, "port the http-01 responder listens on (127.0.0.1)")
	set.StringVar(&o.dnsManagement, "dns-management", "", "pebble-challtestsrv management API base URL")
	set.BoolVar(&o.bundle, "bundle", true, "keep the issuer chain with the leaf")
	set.StringVar(&o.certURL, "cert-url", "", "certificate URL to fetch")
	set.StringVar(&o.alternatesOut, "alternates-out", "", "path prefix for alternate chains (<prefix><n>.pem)")
	set.StringVar(&o.cert, "cert", "", "certificate to revoke, PEM")
	set.StringVar(&o.certKey, "cert-key", "", "sign the revocation with this certificate key instead of the account key")
	set.IntVar(&o.reason, "reason", 0, "CRLReason code (RFC 5280 §5.3.1)")
	set.StringVar(&o.newKey, "new-key", "", "rollover: where the new account key is written")
	set.StringVar(&o.newKeyType, "new-key-type", "ec384", "rollover: type of the new account key")
	set.DurationVar(&o.timeout, "timeout", 90*time.Second, "time allowed for the whole command")
	if err := set.Parse(args); err != nil {
		return o, err
	}
	if o.directory == "" || o.accountKey == "" {
		return o, errors.New("-directory and -account-key are required")
	}
	return o, nil
}

func newClient(o options) (*acme.Client, error) {
	key, err := loadOrCreateKey(o.accountKey, o.accountKeyType)
	if err != nil {
		return nil, fmt.Errorf("account key: %w", err)
	}
	client, err := httpClient(o.ca)
	if err != nil {
		return nil, err
	}
	return &acme.Client{Key: key, DirectoryURL: o.directory, HTTPClient: client, UserAgent: "certeasy-interop", KID: acme.KeyID(o.kid)}, nil
}

func accountFields(account *acme.Account, key crypto.Signer, created bool) map[string]interface{} {
	thumbprint, _ := acme.JWKThumbprint(key.Public())
	return map[string]interface{}{"created": created, "url": account.URI, "status": account.Status, "contact": account.Contact, "thumbprint": thumbprint}
}

func register(ctx context.Context, client *acme.Client, o options) error {
	account := &acme.Account{}
	if o.contact != "" {
		account.Contact = []string{"mailto:" + o.contact}
	}
	if o.eabKID != "" {
		// The key is base64url (RFC 8555 §7.3.4 leaves the encoding to the CA); padding is dropped.
		hmacKey, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(o.eabHMAC, "="))
		if err != nil {
			return fmt.Errorf("-eab-hmac is not base64url: %w", err)
		}
		account.ExternalAccountBinding = &acme.ExternalAccountBinding{KID: o.eabKID, Key: hmacKey}
	}
	registered, err := client.Register(ctx, account, acme.AcceptTOS)
	if errors.Is(err, acme.ErrAccountAlreadyExists) {
		// x/crypto turns the server's 200 for a known key (§7.3.1) into this error, the
		// account URL kept as the client's KID: GetReg reads the account itself.
		emit("accountExists", map[string]interface{}{"url": string(client.KID)})
		existing, getErr := client.GetReg(ctx, "")
		if getErr != nil {
			return getErr
		}
		emit("account", accountFields(existing, client.Key, false))
		return nil
	}
	if err != nil {
		return err
	}
	emit("account", accountFields(registered, client.Key, true))
	return nil
}

// authorize answers every pending authorization of the order with the chosen challenge type.
// Every response is presented before any challenge is accepted, as cert-manager's challenges
// are separate resources solved side by side; the TXT records and the responder go afterwards.
func authorize(ctx context.Context, client *acme.Client, order *acme.Order, o options) (err error) {
	var tokens sync.Map
	var stopResponder func()
	var txtHosts []string
	defer func() {
		if stopResponder != nil {
			stopResponder()
		}
		for _, host := range txtHosts {
			if clearErr := challtestsrv(o.dnsManagement, "/clear-txt", map[string]string{"host": host}); clearErr != nil && err == nil {
				err = clearErr
			}
		}
	}()
	var accepted []*acme.Challenge
	var pending []*acme.Authorization
	for _, url := range order.AuthzURLs {
		authz, err := client.GetAuthorization(ctx, url)
		if err != nil {
			return err
		}
		emit("authorization", map[string]interface{}{"url": url, "identifier": authz.Identifier.Value, "wildcard": authz.Wildcard, "status": authz.Status})
		if authz.Status == acme.StatusValid {
			continue
		}
		var chosen *acme.Challenge
		offered := []string{}
		for _, challenge := range authz.Challenges {
			offered = append(offered, challenge.Type)
			if challenge.Type == o.challenge {
				chosen = challenge
			}
		}
		if chosen == nil {
			return fmt.Errorf("the authorization of %s offers no %s challenge (offered: %s)", authz.Identifier.Value, o.challenge, strings.Join(offered, ", "))
		}
		switch o.challenge {
		case "http-01":
			response, err := client.HTTP01ChallengeResponse(chosen.Token)
			if err != nil {
				return err
			}
			tokens.Store(client.HTTP01ChallengePath(chosen.Token), response)
			if stopResponder == nil {
				if stopResponder, err = serveHTTP01(o.httpPort, &tokens); err != nil {
					return err
				}
			}
		case "dns-01":
			record, err := client.DNS01ChallengeRecord(chosen.Token)
			if err != nil {
				return err
			}
			// RFC 8555 §8.4: the record is under the name without its wildcard label.
			host := "_acme-challenge." + authz.Identifier.Value + "."
			if err := challtestsrv(o.dnsManagement, "/set-txt", map[string]string{"host": host, "value": record}); err != nil {
				return err
			}
			txtHosts = append(txtHosts, host)
		default:
			return fmt.Errorf("unsupported challenge type %q", o.challenge)
		}
		accepted = append(accepted, chosen)
		pending = append(pending, authz)
	}
	for _, challenge := range accepted {
		if _, err := client.Accept(ctx, challenge); err != nil {
			return err
		}
	}
	for _, authz := range pending {
		valid, err := client.WaitAuthorization(ctx, authz.URI)
		if err != nil {
			return err
		}
		emit("authorization", map[string]interface{}{"url": valid.URI, "identifier": valid.Identifier.Value, "wildcard": valid.Wildcard, "status": valid.Status})
	}
	return nil
}

// serveHTTP01 is the solver: the key authorization at /.well-known/acme-challenge/<token>
// (RFC 8555 §8.3), on the port the validator dials.
func serveHTTP01(port int, tokens *sync.Map) (func(), error) {
	listener, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	server := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value, found := tokens.Load(r.URL.Path)
		emit("served", map[string]interface{}{"path": r.URL.Path, "host": r.Host, "found": found})
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, value.(string))
	})}
	go func() { _ = server.Serve(listener) }()
	return func() { _ = server.Close() }, nil
}

func challtestsrv(base, path string, body map[string]string) error {
	if base == "" {
		return errors.New("dns-01 needs -dns-management")
	}
	payload, _ := json.Marshal(body)
	res, err := http.Post(strings.TrimRight(base, "/")+path, "application/json", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("pebble-challtestsrv answered %d to %s", res.StatusCode, path)
	}
	return nil
}

func writeChain(path string, der [][]byte) error {
	var out bytes.Buffer
	for _, certificate := range der {
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: certificate})
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

func issue(ctx context.Context, client *acme.Client, o options) error {
	names := strings.Split(o.names, ",")
	order, err := client.AuthorizeOrder(ctx, acme.DomainIDs(names...))
	if err != nil {
		return err
	}
	emit("order", map[string]interface{}{"url": order.URI, "status": order.Status})
	if err := authorize(ctx, client, order, o); err != nil {
		return err
	}
	if order, err = client.WaitOrder(ctx, order.URI); err != nil {
		return err
	}
	emit("order", map[string]interface{}{"url": order.URI, "status": order.Status})
	key, err := generateKey(o.keyType)
	if err != nil {
		return err
	}
	if err := writeKey(o.keyOut, key); err != nil {
		return err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: names}, key)
	if err != nil {
		return err
	}
	der, certURL, err := client.CreateOrderCert(ctx, order.FinalizeURL, csr, o.bundle)
	if err != nil {
		return err
	}
	if err := writeChain(o.certOut, der); err != nil {
		return err
	}
	emit("certificate", map[string]interface{}{"url": certURL, "order": order.URI, "path": o.certOut, "certificates": len(der)})
	return nil
}

func fetch(ctx context.Context, client *acme.Client, o options) error {
	der, err := client.FetchCert(ctx, o.certURL, o.bundle)
	if err != nil {
		return err
	}
	if err := writeChain(o.certOut, der); err != nil {
		return err
	}
	emit("fetched", map[string]interface{}{"url": o.certURL, "path": o.certOut, "certificates": len(der)})
	alternates, err := client.ListCertAlternates(ctx, o.certURL)
	if err != nil {
		return err
	}
	emit("alternates", map[string]interface{}{"urls": append([]string{}, alternates...)})
	for index, url := range alternates {
		chain, err := client.FetchCert(ctx, url, true)
		if err != nil {
			return err
		}
		path := fmt.Sprintf("%s%d.pem", o.alternatesOut, index+1)
		if err := writeChain(path, chain); err != nil {
			return err
		}
		emit("fetched", map[string]interface{}{"url": url, "path": path, "certificates": len(chain)})
	}
	return nil
}

func revoke(ctx context.Context, client *acme.Client, o options) error {
	pemBytes, err := os.ReadFile(o.cert)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("no certificate in %s", o.cert)
	}
	// nil: signed by the account key, in kid form; a certificate key signs in jwk form (§7.6).
	var signer crypto.Signer
	if o.certKey != "" {
		if signer, err = readKey(o.certKey); err != nil {
			return err
		}
	}
	if err := client.RevokeCert(ctx, signer, block.Bytes, acme.CRLReasonCode(o.reason)); err != nil {
		return err
	}
	emit("revoked", map[string]interface{}{"byCertificateKey": o.certKey != ""})
	return nil
}

func rollover(ctx context.Context, client *acme.Client, o options) error {
	newKey, err := generateKey(o.newKeyType)
	if err != nil {
		return err
	}
	if err := client.AccountKeyRollover(ctx, newKey); err != nil {
		return err
	}
	if err := writeKey(o.newKey, newKey); err != nil {
		return err
	}
	thumbprint, _ := acme.JWKThumbprint(newKey.Public())
	emit("rolledOver", map[string]interface{}{"url": string(client.KID), "newKey": o.newKey, "thumbprint": thumbprint})
	return nil
}

// reportError writes the error as the run reads it: its Go type, and the problem document
// for the types that carry one.
func reportError(err error) {
	fields := map[string]interface{}{"message": err.Error()}
	var problem *acme.Error
	var authzErr *acme.AuthorizationError
	var orderErr *acme.OrderError
	switch {
	case errors.As(err, &problem):
		fields["kind"] = "acme.Error"
		fields["problem"] = problemJSON(problem)
	case errors.As(err, &authzErr):
		fields["kind"] = "acme.AuthorizationError"
		for _, cause := range authzErr.Errors {
			if errors.As(cause, &problem) {
				fields["problem"] = problemJSON(problem)
				break
			}
		}
	case errors.As(err, &orderErr):
		fields["kind"] = "acme.OrderError"
	case errors.Is(err, acme.ErrNoAccount):
		fields["kind"] = "acme.ErrNoAccount"
	default:
		fields["kind"] = fmt.Sprintf("%T", err)
	}
	emit("error", fields)
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: x-crypto-acme <register|account|update|issue|fetch|revoke|rollover|deactivate> [flags]")
	}
	o, err := parseFlags(args[1:])
	if err != nil {
		return err
	}
	client, err := newClient(o)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	switch args[0] {
	case "register":
		return register(ctx, client, o)
	case "account":
		account, err := client.GetReg(ctx, "")
		if err != nil {
			return err
		}
		emit("account", accountFields(account, client.Key, false))
		return nil
	case "update":
		account := &acme.Account{}
		if o.contact != "" {
			account.Contact = []string{"mailto:" + o.contact}
		}
		updated, err := client.UpdateReg(ctx, account)
		if err != nil {
			return err
		}
		emit("account", accountFields(updated, client.Key, false))
		return nil
	case "issue":
		return issue(ctx, client, o)
	case "fetch":
		return fetch(ctx, client, o)
	case "revoke":
		return revoke(ctx, client, o)
	case "rollover":
		return rollover(ctx, client, o)
	case "deactivate":
		if err := client.DeactivateReg(ctx); err != nil {
			return err
		}
		emit("deactivated", map[string]interface{}{"url": string(client.KID)})
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		reportError(err)
		os.Exit(1)
	}
}
