namespace Canopy.Data;

/// <summary>
/// The service key of the database reads that may lag behind the last commit by the replication delay: lists, impact
/// figures, the public feed, catalogue loads. Ask for <c>[FromKeyedServices(Reads.MayLag)] CanopyDbContext</c> (on the
/// standbys a no-tracking context; without them the request's own context, so query with AsNoTracking) or, on PostgreSQL, <c>[FromKeyedServices(Reads.MayLag)] NpgsqlDataSource</c> for raw SQL.
/// With <c>ConnectionStrings:CanopyRead</c> set they read from the hot standbys it names; without it they are the
/// ordinary context and data source on the primary. Anything the API promises to be current (an order by id right
/// after its 2xx, tokens, idempotency) and anything that reads in order to write stays on the unkeyed services.
/// </summary>
public static class Reads
{
    public const string MayLag = "canopy-reads-may-lag";
}
