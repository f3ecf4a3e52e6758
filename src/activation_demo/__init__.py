"""Command-line jobs around the dbt_activation dbt package: demo data, demo run."""
