{{ dbt_activation.activation_states(
    source=ref('fact__purchases'),
    first_last=ref('fact_purchase_first_last'),
    grain='week',
    user_id='user_id',
    activity_at='datetime',
) }}
