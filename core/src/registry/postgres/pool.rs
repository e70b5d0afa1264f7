//! A small pool of PostgreSQL connections, each with its own cache of prepared statements.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use postgres::{Client, GenericClient, Statement};

use super::pg_err;
use super::tls::Tls;
use crate::error::{Error, Result};

/// One connection and the statements prepared on it, by SQL text.
pub(crate) struct Conn {
    pub(crate) client: Client,
    pub(crate) stmts: HashMap<&'static str, Statement>,
}

/// The statement `sql`, prepared on this connection once and reused after.
pub(crate) fn prep(
    stmts: &mut HashMap<&'static str, Statement>,
    c: &mut impl GenericClient,
    sql: &'static str,
) -> Result<Statement> {
    if let Some(s) = stmts.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(sql).map_err(pg_err)?;
    stmts.insert(sql, s.clone());
    Ok(s)
}

struct State {
    idle: Vec<Conn>,
    /// Connections open, idle or checked out.
    open: usize,
}

/// Idle connections up to a maximum; a checkout waits when every connection is in use.
pub(crate) struct Pool {
    config: postgres::Config,
    tls: Tls,
    max: usize,
    state: Mutex<State>,
    freed: Condvar,
}

impl Pool {
    /// A pool of at most `max` connections (at least one) to `config`, made with `tls`.
    pub(crate) fn new(config: postgres::Config, tls: Tls, max: usize) -> Pool {
        Pool {
            config,
            tls,
            max: max.max(1),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| Error::Storage("connection pool poisoned by a panic".into()))
    }

    /// An idle connection, a new one when fewer than the maximum are open, or the next one
    /// returned.
    pub(crate) fn get(&self) -> Result<Pooled<'_>> {
        let mut st = self.lock()?;
        loop {
            if let Some(conn) = st.idle.pop() {
                if conn.client.is_closed() {
                    st.open -= 1;
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if st.open < self.max {
                st.open += 1;
                drop(st);
                return match self.tls.connect(&self.config) {
                    Ok(client) => Ok(Pooled {
                        pool: self,
                        conn: Some(Conn {
                            client,
                            stmts: HashMap::new(),
                        }),
                    }),
                    Err(e) => {
                        if let Ok(mut st) = self.lock() {
                            st.open -= 1;
                        }
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            st = self
                .freed
                .wait(st)
                .map_err(|_| Error::Storage("connection pool poisoned by a panic".into()))?;
        }
    }
}

/// A connection checked out of the pool: returned when dropped, unless it broke.
pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        // Present from checkout until drop.
        self.conn.as_ref().expect("a checked-out connection")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a checked-out connection")
    }
}

impl Pooled<'_> {
    /// Closes this connection instead of returning it to the pool.
    pub(crate) fn discard(&mut self) {
        if self.conn.take().is_some() {
            if let Ok(mut st) = self.pool.state.lock() {
                st.open -= 1;
            }
            self.pool.freed.notify_one();
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if let Ok(mut st) = self.pool.state.lock() {
                if conn.client.is_closed() {
                    st.open -= 1;
                } else {
                    st.idle.push(conn);
                }
            }
            self.pool.freed.notify_one();
        }
    }
}
