# frozen_string_literal: true

# The Ruby acme-client gem (Debian's ruby-acme-client 2.0.9) driven the way an application
# that embeds it does -- GitLab's Let's Encrypt integration registers (newAccount with the terms
# agreed and a mailto contact) before every order, answers each authorization, polls, finalizes
# with a CSR and downloads the chain. One subcommand per operation; every outcome is one JSON
# object a line on stdout, read by test/interop/ruby-acme-client.ts.
#
# Trust: the run's root CA file goes to Faraday as connection_options ssl.ca_file (the
# gem hands connection_options to every Faraday connection it opens, the directory's
# included); SSL_CERT_FILE is not used.
#
# Polling is the gem README's: the gem exposes no response headers, so Retry-After (RFC 8555
# §7.5.1, §7.4) is never seen; the loops sleep a fixed 2 s (challenge) and 1 s (order).

require 'acme-client'
require 'json'
require 'net/http'
require 'openssl'
require 'optparse'

module Interop
  # What the gem saw on the wire but keeps to itself: it raises an exception carrying only a
  # problem's detail (RFC 8555 §6.7), so the type and subproblems are recorded here. This
  # observes; it changes nothing the gem does.
  module Wire
    @problems = []
    @requests = []

    class << self
      attr_reader :problems, :requests
    end

    # Prepended to Acme::Client::FaradayMiddleware.
    module Recorder
      def call(env)
        Wire.requests << env.url.to_s
        super
      end

      private

      def raise_on_error!
        Wire.problems << env.body if env.body.is_a?(Hash)
        super
      end
    end
  end

  Acme::Client::FaradayMiddleware.prepend(Wire::Recorder)

  CHALLENGE_POLL_SECONDS = 2
  ORDER_POLL_SECONDS = 1
  MAX_POLLS = 30

  class Failure < StandardError; end

  module_function

  def emit(event, fields = {})
    $stdout.puts(JSON.generate({ event: event }.merge(fields)))
    $stdout.flush
  end

  # The problem document behind the last refusal, as the script reports it.
  def problem_fields(problem)
    return nil if problem.nil?

    { type: problem['type'], detail: problem['detail'], subproblems: problem['subproblems'] }
  end

  def new_key(kind)
    case kind
    when 'ec256' then OpenSSL::PKey::EC.generate('prime256v1')
    when 'ec384' then OpenSSL::PKey::EC.generate('secp384r1')
    when 'rsa2048' then OpenSSL::PKey::RSA.new(2048)
    when 'rsa3072' then OpenSSL::PKey::RSA.new(3072)
    else raise ArgumentError, "unknown key type #{kind}"
    end
  end

  # The key at `path`, made (and written) on first use.
  def load_key(path, kind)
    return OpenSSL::PKey.read(File.read(path)) if File.exist?(path)

    key = new_key(kind)
    File.write(path, key.to_pem)
    key
  end

  def client(options, key: nil)
    Acme::Client.new(
      private_key: key || load_key(options.fetch(:account_key), options[:account_key_type]),
      directory: options.fetch(:directory),
      kid: options[:kid],
      connection_options: { ssl: { ca_file: options.fetch(:ca_file) } },
      bad_nonce_retry: options[:bad_nonce_retry]
    )
  end

  def account_fields(account)
    { kid: account.kid, status: account.status, contact: account.contact }
  end

  # newAccount (RFC 8555 §7.3): a known key answers with its account (§7.3.1).
  def register(acme, options)
    # The gem exposes meta.externalAccountRequired (RFC 8555 §7.1.1) but never acts on it.
    emit('directory', externalAccountRequired: acme.external_account_required == true)
    account = acme.new_account(contact: "mailto:#{options.fetch(:contact)}", terms_of_service_agreed: true)
    emit('account', account_fields(account))
    account
  end

  def challtestsrv(options, route, body)
    uri = URI.join(options.fetch(:challtestsrv), route)
    response = Net::HTTP.post(uri, JSON.generate(body), 'Content-Type' => 'application/json')
    raise Failure, "pebble-challtestsrv answered #{response.code} to #{route}" unless response.is_a?(Net::HTTPSuccess)
  end

  # Publish the answer to `challenge` (RFC 8555 §8.3 file, §8.4 TXT record); returns its undo.
  def answer(authorization, challenge, options)
    if challenge.is_a?(Acme::Client::Resources::Challenges::HTTP01)
      path = File.join(options.fetch(:webroot), challenge.token)
      File.write(path, challenge.file_content) unless options[:no_answer]
      -> { File.delete(path) if File.exist?(path) }
    else
      host = "#{challenge.record_name}.#{authorization.domain}."
      challtestsrv(options, '/set-txt', { host: host, value: challenge.record_content }) unless options[:no_answer]
      -> { challtestsrv(options, '/clear-txt', { host: host }) }
    end
  end

  def wait_for_challenge(challenge)
    polls = 0
    # The README waits while 'pending' only; a server that moves the challenge to 'processing'
    # (RFC 8555 §7.5.1) would end that loop at once, so both are waited out here.
    while %w[pending processing].include?(challenge.status) && polls < MAX_POLLS
      sleep(CHALLENGE_POLL_SECONDS)
      challenge.reload
      polls += 1
    end
    polls
  end

  def validate(order, options)
    undo = []
    pending = order.authorizations.reject { |authorization| authorization.status == 'valid' }.map do |authorization|
      challenge = options[:challenge] == 'dns-01' ? authorization.dns : authorization.http
      raise Failure, "#{authorization.domain}: no #{options[:challenge]} challenge offered" if challenge.nil?

      undo << answer(authorization, challenge, options)
      emit('authorization', identifier: authorization.domain, wildcard: authorization.wildcard == true, challenge: challenge.challenge_type)
      [authorization, challenge]
    end
    pending.each { |_, challenge| challenge.request_validation }
    pending.each do |authorization, challenge|
      polls = wait_for_challenge(challenge)
      authorization.reload
      emit('challenge', identifier: authorization.domain, type: challenge.challenge_type, status: challenge.status,
                        polls: polls, error: challenge.error, authorization: authorization.status)
    end
    failed = pending.reject { |_, challenge| challenge.status == 'valid' }
    return if failed.empty?

    order.reload
    emit('order', url: order.url, status: order.status)
    raise Failure, "validation failed for #{failed.map { |authorization, _| authorization.domain }.join(', ')}"
  ensure
    undo&.each(&:call)
  end

  def issue(options)
    acme = client(options)
    register(acme, options)
    order = acme.new_order(identifiers: options.fetch(:names))
    emit('order', url: order.url, status: order.status, identifiers: order.identifiers)
    validate(order, options)

    certificate_key = new_key(options[:cert_key_type])
    File.write(options.fetch(:cert_key), certificate_key.to_pem)
    csr = Acme::Client::CertificateRequest.new(private_key: certificate_key, names: options.fetch(:names))
    order.finalize(csr: csr)
    polls = 0
    while order.status == 'processing' && polls < MAX_POLLS
      sleep(ORDER_POLL_SECONDS)
      order.reload
      polls += 1
    end
    emit('order', url: order.url, status: order.status, polls: polls)
    download(order, options)
  end

  def download(order, options)
    before = Wire.requests.length
    pem = options[:force_chain].nil? ? order.certificate : order.certificate(force_chain: options[:force_chain])
    File.write(options.fetch(:cert), pem)
    emit('certificate', path: options.fetch(:cert), certificates: pem.scan('-----BEGIN CERTIFICATE-----').length,
                        fetched: Wire.requests.drop(before))
  rescue Acme::Client::Error::ForcedChainNotFound
    # The chains the gem fetched looking for the issuer asked for: the default and every
    # Link rel="alternate" (RFC 8555 §7.4.2) it found.
    emit('chains-fetched', fetched: Wire.requests.drop(before))
    raise
  end

  # An order fetched again by its URL (RFC 8555 §7.4), its certificate downloaded.
  def fetch(options)
    download(client(options).order(url: options.fetch(:order)), options)
  end

  def revoke(options)
    acme = client(options)
    certificate = File.read(options.fetch(:cert))
    revoked = acme.revoke(certificate: certificate, reason: options[:reason])
    emit('revoked', result: revoked)
  end

  # onlyReturnExisting (RFC 8555 §7.3.1): the account a key names, or AccountDoesNotExist.
  def lookup(options)
    emit('account', account_fields(client(options).account))
  end

  def key_change(options)
    acme = client(options)
    new_key = load_key(options.fetch(:new_account_key), options[:new_account_key_type])
    account = acme.account_key_change(new_private_key: new_key)
    emit('key-changed', account_fields(account))
  end

  def deactivate(options)
    acme = client(options)
    acme.account
    emit('deactivated', account_fields(acme.account_deactivate))
  end

  # A nonce the server already consumed, put back on the gem's pool (what a pool shared by two
  # workers, or one kept across a request that failed in transit, amounts to): the server must
  # refuse it with badNonce (RFC 8555 §6.5) and the gem, with bad_nonce_retry, sign again with
  # the fresh nonce that refusal carried.
  def replay_nonce(options)
    acme = client(options)
    acme.get_nonce
    used = acme.nonces.last
    acme.account
    acme.nonces << used
    seen = Wire.problems.length
    account = acme.account
    emit('nonce-replayed', kid: account.kid, refusals: Wire.problems.drop(seen).map { |problem| problem['type'] })
  end

  def options_from(argv)
    options = { account_key_type: 'rsa2048', new_account_key_type: 'ec256', cert_key_type: 'ec256', challenge: 'http-01',
                names: [], bad_nonce_retry: 0, contact: 'ops@example.test' }
    OptionParser.new do |parser|
      parser.on('--directory URL') { |value| options[:directory] = value }
      parser.on('--ca-file PATH') { |value| options[:ca_file] = value }
      parser.on('--account-key PATH') { |value| options[:account_key] = value }
      parser.on('--account-key-type TYPE') { |value| options[:account_key_type] = value }
      parser.on('--new-account-key PATH') { |value| options[:new_account_key] = value }
      parser.on('--new-account-key-type TYPE') { |value| options[:new_account_key_type] = value }
      parser.on('--kid URL') { |value| options[:kid] = value }
      parser.on('--contact EMAIL') { |value| options[:contact] = value }
      parser.on('--name NAME') { |value| options[:names] << value }
      parser.on('--challenge TYPE') { |value| options[:challenge] = value }
      parser.on('--webroot DIR') { |value| options[:webroot] = value }
      parser.on('--challtestsrv URL') { |value| options[:challtestsrv] = value }
      parser.on('--no-answer') { options[:no_answer] = true }
      parser.on('--cert-key-type TYPE') { |value| options[:cert_key_type] = value }
      parser.on('--cert-key PATH') { |value| options[:cert_key] = value }
      parser.on('--cert PATH') { |value| options[:cert] = value }
      parser.on('--order URL') { |value| options[:order] = value }
      parser.on('--force-chain NAME') { |value| options[:force_chain] = value }
      parser.on('--reason CODE', Integer) { |value| options[:reason] = value }
      parser.on('--bad-nonce-retry COUNT', Integer) { |value| options[:bad_nonce_retry] = value }
    end.parse!(argv)
    options
  end

  COMMANDS = {
    'register' => ->(options) { register(client(options), options) },
    'lookup' => method(:lookup),
    'issue' => method(:issue),
    'download' => method(:fetch),
    'revoke' => method(:revoke),
    'key-change' => method(:key_change),
    'deactivate' => method(:deactivate),
    'replay-nonce' => method(:replay_nonce)
  }.freeze

  def main(argv)
    command = COMMANDS.fetch(argv.shift.to_s) { raise ArgumentError, "commands: #{COMMANDS.keys.join(', ')}" }
    command.call(options_from(argv))
    0
  rescue Acme::Client::Error => e
    # ClientError and Timeout are the gem's own verdicts: no problem document behind them.
    answered = !e.is_a?(Acme::Client::Error::ClientError) && !e.is_a?(Acme::Client::Error::Timeout)
    emit('error', class: e.class.name, message: e.message, problem: answered ? problem_fields(Wire.problems.last) : nil)
    1
  rescue Failure => e
    emit('error', class: nil, message: e.message, problem: nil)
    1
  end
end

exit(Interop.main(ARGV.dup))
