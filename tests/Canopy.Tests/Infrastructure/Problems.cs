using System.Net;
using System.Text.Json.Nodes;

namespace Canopy.Tests.Infrastructure;

/// <summary>Assertions on RFC 9457 problem responses.</summary>
public static class Problems
{
    /// <summary>Asserts a problem+json response with the status; returns its body.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.ReadJsonAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(body["title"]?.GetValue<string>()), "A problem has a title.");
        return body;
    }

    /// <summary>Asserts a 400 validation problem whose <c>errors</c> names <paramref name="field"/> (with a message).</summary>
    public static async Task<JsonObject> AssertInvalidAsync(this HttpResponseMessage response, string field)
    {
        var body = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var errors = body["errors"] as JsonObject;
        Assert.True(errors is not null, $"No 'errors' in {body.ToJsonString()}");
        Assert.True(errors!.ContainsKey(field), $"Expected an error for '{field}', got {errors.ToJsonString()}");
        var messages = errors[field]!.AsArray();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m!.GetValue<string>())));
        return body;
    }
}
