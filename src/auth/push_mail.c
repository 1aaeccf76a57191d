/* push_mail.c — the device-enrollment mail: the localized `device_enroll` template
 * (src/mail/templates.h) with the code and the link, branded with the project the
 * person came from, or as AuthGate when they opened /app on its own. */
#include "auth/push.h"
#include "mail/templates.h"

enum ag_err push_mail_enroll(struct arena *a, const struct project *p, const char *to, const char *code,
			     const char *link, const char *locale)
{
	const struct tmpl_var v[] = {{"code", code}, {"link", link}, {NULL, NULL}};
	if (p)
		return project_send_mail(a, p, to, locale ? locale : p->default_locale, "device_enroll", v);
	/* No project: AuthGate's own name and the default look. */
	static const struct mail_brand authgate = {.name = "AuthGate"};
	return mail_send_template(a, &authgate, to, locale ? locale : "en", "device_enroll", v);
}
