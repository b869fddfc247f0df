"""The GraphQL surface of Campus GraphQL: types, inputs, resolvers and loaders."""
