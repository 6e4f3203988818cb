using FluentValidation;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// One instance per validator type. Building a FluentValidation validator compiles its rules (expression trees), which
/// cost more than validating a body; a built validator holds no per-request state and is safe to share.
/// </summary>
internal static class Validators<TValidator> where TValidator : IValidator, new()
{
    public static readonly TValidator Instance = new();
}
