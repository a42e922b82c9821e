package harness

import "fmt"

// MasterUser and MasterPassword are every harness Dovecot's master user:
// it logs in as any user U with the name U*admin (imapsync's --proxyauth1,
// Dovecot's master users).
const MasterUser, MasterPassword = "admin", "master-secret-3c7a"

// config is the recipe in shared/reference/dovecot-for-tests.md: everything
// under dir, 127.0.0.1 only, passwd-file users, fs layout (real \Noselect
// parents, dots allowed in names).
func config(dir string, plain, tlsPort int, o Options) string {
	return fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/run/state
log_path = %[1]s/log/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
auth_master_user_separator = *
mail_location = maildir:~/Maildir:LAYOUT=fs:INBOX=~/Maildir/INBOX
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
mail_max_userip_connections = %[5]d
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = %[4]s
  prefix = %[6]s
  mailbox Sent {
    special_use = \Sent
  }
  mailbox Drafts {
    special_use = \Drafts
  }
  mailbox Trash {
    special_use = \Trash
  }
}
passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN %[1]s/masters
  pass = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/users.d/%%u
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/users.d/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[3]d
    ssl = yes
  }
  chroot =
}
service anvil {
  chroot =
}
`, dir, plain, tlsPort, o.Separator, o.MaxConnsPerUserIP, o.Prefix) + quotaConfig(o.Quota) + aclConfig(o.ACL)
}

// aclConfig turns on ACLs (a file per mailbox; the owner has every right
// until an ACL entry says otherwise). Not with a quota: each sets the
// plugins of protocol imap.
func aclConfig(on bool) string {
	if !on {
		return ""
	}
	return `mail_plugins = $mail_plugins acl
protocol imap {
  mail_plugins = $mail_plugins imap_acl
}
plugin {
  acl = vfile
}
`
}

// quotaConfig limits every user's storage (Dovecot's quota plugin; its
// IMAP part answers GETQUOTAROOT): an APPEND over it is refused with
// "NO [OVERQUOTA] Quota exceeded".
func quotaConfig(limit string) string {
	if limit == "" {
		return ""
	}
	return fmt.Sprintf(`mail_plugins = $mail_plugins quota
protocol imap {
  mail_plugins = $mail_plugins imap_quota
}
plugin {
  quota = maildir:User quota
  quota_rule = *:storage=%s
}
`, limit)
}
