"""privatelink-insights: keeps CloudWatch Contributor Insights monitoring in step with PrivateLink."""
