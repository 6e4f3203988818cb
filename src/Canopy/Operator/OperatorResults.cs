using System.Diagnostics;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Canopy.Operator;

/// <summary>The operator API's RFC 9457 problem responses.</summary>
internal static class OperatorResults
{
    public static ValidationProblem Invalid(FieldErrors errors) =>
        TypedResults.ValidationProblem(errors, title: "Your request parameters didn't validate.");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new FieldErrors(field, message));

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: 404, title: $"Could not find {what}.");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: 409, title: "Conflict", detail: detail);

    /// <summary>A capability's write as the operator API answers it: <paramref name="ok"/> with its value, or its failure as a problem.</summary>
    public static Results<TOk, ValidationProblem, ProblemHttpResult> From<T, TOk>(WriteResult<T> result, Func<T, TOk> ok) where TOk : IResult =>
        result.Failure switch
        {
            null => ok(result.Value!),
            WriteFailure.Invalid i => Invalid(i.Errors),
            WriteFailure.NotFound n => NotFound(n.What),
            WriteFailure.Conflict c => Conflict(c.Detail),
            _ => throw new UnreachableException(),
        };
}
