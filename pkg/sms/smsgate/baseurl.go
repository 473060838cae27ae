package smsgate

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// checkBaseURL validates smsgate.base_url. The app's local server speaks plain HTTP with Basic
// auth, so the password crosses the network as readable text: http:// is accepted only where
// the network is the clinic's own (loopback, private and link-local addresses, .local names),
// and refused where it would cross the internet. https:// is accepted for any host, for a phone
// behind a TLS proxy.
func checkBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("smsgate: no address: set smsgate.base_url to the address the app shows under Local server, for example %s", exampleURL)
	}
	if !strings.Contains(raw, "://") {
		hint := "start it with http://"
		if !strings.Contains(raw, "@") {
			hint = fmt.Sprintf("write it with http:// in front: http://%s", raw)
		}
		return nil, fmt.Errorf("smsgate: smsgate.base_url %q has no http:// or https://: %s", redactUserinfo(raw), hint)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("smsgate: smsgate.base_url %q is not an address like %s", redactUserinfo(raw), exampleURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("smsgate: smsgate.base_url %q must not contain a user name or password: set smsgate.username, and the password in %s", u.Redacted(), PasswordEnv)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("smsgate: smsgate.base_url %q must be scheme, host, port and optional path only, like %s", u.Redacted(), exampleURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !onLAN(u.Hostname()) {
			return nil, fmt.Errorf("smsgate: smsgate.base_url %q uses plain http to a public address, which would send the password across the internet unencrypted: "+
				"write the phone's address on the clinic's network as the app shows it under Local server (for example %s, or a name ending in .local), or use https://", raw, exampleURL)
		}
	default:
		return nil, fmt.Errorf("smsgate: smsgate.base_url %q must start with http:// or https://, like %s", u.Redacted(), exampleURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

const exampleURL = "http://192.168.1.20:8080"

// onLAN reports whether host is an address or name that stays on the local network: loopback,
// private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), localhost
// and mDNS names (.local). Any other name is treated as public: it may resolve anywhere.
func onLAN(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if strings.HasSuffix(h, ".local") && len(h) > len(".local") {
		return true
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return false
	}
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast()
}

// redactUserinfo hides what sits between "://" and "@" in a URL that did not parse: it may be
// a password, and url.URL.Redacted needs a URL that parses.
func redactUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	at := strings.LastIndex(host, "@")
	if at < 0 {
		return raw
	}
	if scheme == "" {
		return "xxxxx" + rest[at:]
	}
	return scheme + "://xxxxx" + rest[at:]
}
