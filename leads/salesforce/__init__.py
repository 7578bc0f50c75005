"""The Salesforce sync: accounts, scores and event leads pushed to a Salesforce org by upsert."""
