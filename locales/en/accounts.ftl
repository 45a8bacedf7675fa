# accounts: messages of this area (see src/i18n.rs)

## Email preferences of notices (account page)
pref-title = Notices by email
pref-intro = Every notice lands in your inbox in the portal. Choose which also come by email; mail that confirms your email address or resets your password always does.
pref-legend = Also send by email
pref-topic-suppliers = Suppliers: applications, reviews, failures, documents
pref-topic-stock = Stock: deliveries, lots, returns, counts
pref-topic-requisitions = Requisitions
pref-topic-settlement = Statements and payments
pref-topic-procurement = Plans, quotes and contracts
pref-topic-tenders = Tenders
pref-topic-prices = Prices and price surveys
pref-topic-other = Everything else
pref-flash-saved = Your email choices are saved.

## Forgotten password
reset-forgot-link = Forgot your password?
reset-request-title = Forgot your password
reset-request-intro = Enter the email address you sign in with. We will send you a link to set a new password.
reset-request-submit = Send the link
reset-request-sent = If an account exists for that address, we have sent it a link to set a new password. The link works once, for 30 minutes.
reset-request-again = Ask for a new link
reset-back-to-login = Back to sign-in
reset-new-title = Set a new password
reset-new-submit = Set the password
reset-flash-done = Your new password is set. Please sign in with it.
mail-password_reset-subject = Set a new password
mail-password_reset-body = Someone (we hope you) asked to set a new password for your account. Open this link within { $minutes } minutes to choose one: { $link } If it was not you, ignore this email: your password stays as it is.
