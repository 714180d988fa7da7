"""Our date and time formats per language (settings.FORMAT_MODULE_PATH); what a module leaves out
comes from Django's own. Every language writes dates day first and times on 24 hours, so that
the same page reads 07/12/2026 23:45 in Catalan, Spanish and English (docs/design.md, "Languages")."""
