using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Wren;

/// <summary>Wren's <c>{"message"}</c> for errors raised outside its handlers (see <see cref="ISurfaceErrors"/>).</summary>
internal sealed class WrenSurfaceErrors : ISurfaceErrors
{
    public PathString BasePath => "/api";

    public IResult Invalid(FieldErrors errors) => WrenResults.Invalid(errors);

    public IResult Status(int status, string message) => WrenResults.Message(status, message);
}
