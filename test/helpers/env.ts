process.env['TZ'] = 'UTC';
process.env['NO_COLOR'] = '1';
