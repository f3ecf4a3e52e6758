{{ dbt_activation.activation_first_last(
    source=ref('worked_example_activity'), user_id='user_id', activity_at='datetime') }}
