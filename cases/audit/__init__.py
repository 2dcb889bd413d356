"""The auditor's tools: who read which record, partner disclosures, unusual access."""
