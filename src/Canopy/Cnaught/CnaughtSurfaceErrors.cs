using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Cnaught;

/// <summary>CNaught's problem types for errors raised outside its handlers (see <see cref="ISurfaceErrors"/>).</summary>
internal sealed class CnaughtSurfaceErrors : ISurfaceErrors
{
    public PathString BasePath => "/v1";

    public IResult Invalid(FieldErrors errors) => CnaughtProblems.InvalidParameters(errors);

    public IResult Status(int status, string message) => CnaughtProblems.ForStatus(status, message);
}
