"""`pressroom demo`: the sample GOV.UK release through Pressroom, start to end."""
