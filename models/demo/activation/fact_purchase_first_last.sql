{{ dbt_activation.activation_first_last(
    source=ref('fact__purchases'), user_id='user_id', activity_at='datetime') }}
