# forms: messages of this area (see src/i18n.rs)
